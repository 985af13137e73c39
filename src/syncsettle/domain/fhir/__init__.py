"""HL7 FHIR R4 projections of settlements and commercial legs (docs/fhir.md)."""
