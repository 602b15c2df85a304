"""GET /api/v1/openapi.json: the OpenAPI 3.1 description, built from the declared endpoints."""
from __future__ import annotations

import re

from flask import jsonify

from app.api import OPERATIONS, endpoint
from app.validation import MAX_ID

_ERROR_TEXT = {
    400: "Malformed or invalid input, or an id in the body that names nothing usable there; "
         "details.fields maps field to message",
    401: "Not signed in",
    403: "Signed in but not allowed",
    404: "Missing, or not visible to the caller",
    409: "Conflict with the current state",
    413: "Body too large",
    429: "Rate limited",
}

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}}}},
}


_PATH_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def build_spec() -> dict:
    paths: dict = {}
    schemas: dict = {"Error": _ERROR_SCHEMA}
    for op in OPERATIONS:
        operation: dict = {
            "summary": op.summary,
            "operationId": f"{op.method}_{re.sub(r'[^a-z0-9]+', '_', op.path.lower()).strip('_')}",
            "tags": [op.tag],
            "responses": {str(op.status): {"description": "Success"}},
        }
        # Path ids are the id columns' integers (a larger one matches no route: 404, as for a missing one).
        parameters = [{"name": name, "in": "path", "required": True,
                       "schema": {"type": "string"} if name == "token" else _PATH_ID}
                      for name in re.findall(r"{([a-z_]+)}", op.path)]
        if op.query is not None:
            query = op.query.model_json_schema(ref_template="#/components/schemas/{model}")
            parameters += [{"name": name, "in": "query", "required": name in query.get("required", []),
                            "schema": schema} for name, schema in query["properties"].items()]
        if parameters:
            operation["parameters"] = parameters
        if op.body is not None:
            schema = op.body.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in schema.pop("$defs", {}).items():
                schemas[name] = definition
            schemas[op.body.__name__] = schema
            # A body whose every field is optional may be left out: it reads as {}.
            operation["requestBody"] = {"required": bool(schema.get("required")), "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}}}}
        if op.upload is not None:  # alone, or beside a JSON body (a file instead of the JSON)
            operation.setdefault("requestBody", {"required": True, "content": {}})
            operation["requestBody"]["content"]["multipart/form-data"] = {"schema": {
                "type": "object", "required": [op.upload],
                "properties": {op.upload: {"type": "string", "format": "binary"}}}}
        # Every operation that needs a sign-in may answer 401, every body may be refused
        # with 400, and every object named in the path may be missing (404).
        errors = set(op.errors) | ({401} if op.auth else set()) | ({400} if op.body or op.upload else set())
        errors |= {404} if parameters else set()
        for status in sorted(errors):
            operation["responses"][str(status)] = {
                "description": _ERROR_TEXT.get(status, "Error"),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        if not op.auth:
            operation["security"] = []
        paths.setdefault(op.path, {})[op.method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Accord API", "version": "1.0.0",
                 "description": "Co-drafting, endorsing and sealing joint statements of public buyers."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "The browser session; unsafe methods also need X-CSRFToken."},
            },
            "schemas": schemas,
        },
        "paths": paths,
    }


@endpoint("/openapi.json", "GET", "This description of the API (OpenAPI 3.1)", tag="meta", auth=False)
def openapi_json():
    return jsonify(build_spec())
