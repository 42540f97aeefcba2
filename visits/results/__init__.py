"""Lab results: as labs send them (HL7 v2, FHIR R4) or entered by hand, flagged from their
ranges, released to the patient by the Cures Act's rule, and critical values raised as alerts."""
