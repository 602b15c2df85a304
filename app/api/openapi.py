"""GET /api/v1/openapi.json: the OpenAPI 3.1 description, built from the declared endpoints."""
from __future__ import annotations

import re

from flask import jsonify
from pydantic import BaseModel

from app.api import NO_CONTENT, OPERATIONS, Media, endpoint
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

OPENAPI_DOCUMENT = Media("application/json", "This description", {
    "type": "object", "required": ["openapi", "info", "paths", "components"],
    "properties": {"openapi": {"type": "string", "pattern": "^3\\.1\\."}, "info": {"type": "object"},
                   "paths": {"type": "object"}, "components": {"type": "object"}}})


def _component(schemas: dict, model: type[BaseModel], mode: str) -> dict:
    """`model`'s schema (and those it refers to) put in components/schemas; a reference to it. Two models of one
    name that say different things are refused: one would silently stand for the other."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", model.__name__)
    for each, definition in [*schema.pop("$defs", {}).items(), (name, schema)]:
        if schemas.setdefault(each, definition) != definition:
            raise ValueError(f"Two different models are called {each} in the OpenAPI description")
    return {"$ref": f"#/components/schemas/{name}"}


def _success(answer, schemas: dict) -> dict:
    """What a success status answers: a JSON object of a model, a file of a media type, or nothing."""
    if answer is NO_CONTENT:
        return {"description": answer.description}
    if isinstance(answer, Media):
        schema = answer.schema or {"type": "string", "contentMediaType": answer.type}
        return {"description": answer.description, "content": {answer.type: {"schema": schema}}}
    return {"description": (answer.__doc__ or "").split("\n\n")[0].strip() or answer.__name__.removesuffix("Json"),
            "content": {"application/json": {"schema": _component(schemas, answer, "serialization")}}}


def build_spec() -> dict:
    paths: dict = {}
    schemas: dict = {"Error": _ERROR_SCHEMA}
    for op in OPERATIONS:
        operation: dict = {
            "summary": op.summary,
            "operationId": f"{op.method}_{re.sub(r'[^a-z0-9]+', '_', op.path.lower()).strip('_')}",
            "tags": [op.tag],
            "responses": {str(status): _success(answer, schemas) for status, answer in sorted(op.responses.items())},
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
            reference = _component(schemas, op.body, "validation")
            # A body whose every field is optional may be left out: it reads as {}. Not when it must name at
            # least one field (minProperties): {} is refused there, so the body is required.
            schema = schemas[reference["$ref"].rsplit("/", 1)[1]]
            required = bool(schema.get("required") or schema.get("minProperties"))
            operation["requestBody"] = {"required": required, "content": {"application/json": {"schema": reference}}}
        if op.upload is not None:  # alone, or beside a JSON body (a file instead of the JSON)
            operation.setdefault("requestBody", {"required": True, "content": {}})
            operation["requestBody"]["content"]["multipart/form-data"] = {"schema": {
                "type": "object", "required": [op.upload],
                "properties": {op.upload: {"type": "string", "format": "binary"}}}}
        # Every operation that needs a sign-in may answer 401, every body and query may be refused
        # with 400, and every object named in the path may be missing (404).
        errors = set(op.errors) | ({401} if op.auth else set()) | ({400} if op.body or op.upload or op.query else set())
        errors |= {404} if parameters else set()
        for status in sorted(errors):
            schema_ref: dict = {"$ref": "#/components/schemas/Error"}
            details = op.error_details.get(status)
            if details is not None:
                detail_schema = details.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, definition in detail_schema.pop("$defs", {}).items():
                    schemas[name] = definition
                schemas[details.__name__] = detail_schema
                said = {"details": {"$ref": f"#/components/schemas/{details.__name__}"}}
                schema_ref = {"allOf": [schema_ref, {"type": "object", "properties": {"error": {
                    "type": "object", "properties": said}}}]}
            operation["responses"][str(status)] = {
                "description": _ERROR_TEXT.get(status, "Error"),
                "content": {"application/json": {"schema": schema_ref}}}
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


@endpoint("/openapi.json", "GET", "This description of the API (OpenAPI 3.1)", response=OPENAPI_DOCUMENT, tag="meta",
          auth=False)
def openapi_json():
    return jsonify(build_spec())
