"""API: the consensus map of a version, its reservations per section (endorsements.services.consensus)."""
from __future__ import annotations

from flask import jsonify
from pydantic import Field

from app.api import endpoint, signed_in_user
from app.api.serialise import Answer
from app.documents.services import version_for
from app.endorsements.services import consensus


class ReservationJson(Answer):
    endorsement_id: int
    organisation: str
    reservation: str


class SectionConsensusJson(Answer):
    section_id: int
    number: str = Field(description="The section's number in the version (2.1)")
    heading: str = Field(description="The section's heading as the version has it")
    count: int = Field(description="How many active endorsements hold a reservation on this section")
    reservations: list[ReservationJson]


class ConsensusJson(Answer):
    version_id: int
    sections: list[SectionConsensusJson] = Field(description="Every section of the version, in order")
    reserved_sections: int = Field(description="How many sections hold at least one reservation")


@endpoint("/versions/<int:vid>/consensus", "GET",
          "The consensus map of a version: for each section, the reservations of its active endorsements",
          response=ConsensusJson, tag="endorsements", errors=(401, 404))
def version_consensus(vid):
    version = version_for(signed_in_user(), vid)
    sections = consensus(version)
    return jsonify({"version_id": version.id, "sections": sections,
                    "reserved_sections": sum(1 for entry in sections if entry["count"])})
