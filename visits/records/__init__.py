"""The record of a visit: its life from booking to completion, the clinician's note, the
after-visit summary for the patient, prescriptions and lab orders."""
