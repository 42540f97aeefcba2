"""The consent documents patients sign in the intake, each an exact, versioned text.

Change a text only together with its version: a signature records the version and the SHA-256
of the very text that was shown, and a new version asks every patient to sign again.
"""

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class ConsentDocument:
    """One version of a consent text, shown in full and signed by typing the legal name."""

    slug: str
    title: str
    version: str
    text: str

    @property
    def sha256(self) -> str:
        """The fingerprint of exactly this text (UTF-8), stored with each signature."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def paragraphs(self) -> list[str]:
        """The text as it is shown: paragraphs separated by blank lines."""
        return [paragraph.strip() for paragraph in self.text.split("\n\n") if paragraph.strip()]


TELEHEALTH = ConsentDocument(
    slug="telehealth",
    title="Consent to telehealth care",
    version="2026-11-1",
    text="""\
Housecall clinicians care for you over secure video from a distance. This is called telehealth. \
By signing, you agree to receive care this way.

What telehealth can and cannot do. A clinician cannot touch or examine you in person over \
video. They may ask you to show them something on camera, to measure your temperature or \
pulse, or to go to an in-person clinic, laboratory or emergency department when that is safer.

Where you are matters. Clinicians may only see you in a state where they are licensed. Tell \
us where you are at the start of every visit, and update your details when you travel.

Privacy and security. Visits are held over an encrypted connection and are not recorded. Join \
from a private place. Others in the room with you may hear your health information.

If the connection fails, your clinician will try to call you on the phone number in your \
details. If they cannot reach you, the visit may be rescheduled.

Emergencies. Telehealth is not for emergencies. If you have a medical emergency, call 911. In a \
mental-health crisis, call or text 988 (Suicide & Crisis Lifeline).

Your choices. You may refuse or stop telehealth care at any time without losing your right to \
care in another way. You may withdraw this consent by writing to us; withdrawing does not undo \
care already given.

I have read this consent, I have been able to ask questions about it, and I agree to receive \
care through telehealth.""",
)

PRIVACY = ConsentDocument(
    slug="privacy",
    title="Notice of privacy practices",
    version="2026-11-1",
    text="""\
This notice describes how your health information may be used and disclosed and how you can \
get access to it. Please read it carefully.

How we use your information. We use your health information to treat you, to arrange and bill \
for your visits, and to run the clinic safely (for example to check the quality of care). We \
share it with others only for those purposes, with your written permission, or where the law \
requires it (for example to report abuse or a serious threat to health or safety).

Who can see it. Clinicians see the records of patients they have visits with. Clinic staff see \
schedules, contact details and insurance, never your notes, answers, medications, allergies or \
results. Every time someone opens your record, it is logged, and you can ask who it was.

Your rights. You may see and get a copy of your record, ask us to correct it, ask us to limit \
what we share, ask to be contacted in a particular way, get a list of those we shared your \
information with, and get a paper copy of this notice.

Our duties. We must keep your information private, follow this notice, and tell you if your \
information is breached. We may change this notice; a new version will apply to all the \
information we keep, and we will ask you to read it again.

Complaints. If you think your privacy rights were violated, write to \
privacy@housecall.example or to the U.S. Department of Health and Human Services Office for \
Civil Rights. We will not act against you for complaining.

I acknowledge that I have received and read this notice of privacy practices.""",
)

CONSENTS: dict[str, ConsentDocument] = {
    document.slug: document for document in (TELEHEALTH, PRIVACY)
}
