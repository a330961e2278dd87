"""Pure decisions on the directory: whom an urgent contact rings, in which order."""

from __future__ import annotations

from directory.model import CaseContacts, ContactRole, ContactStep


def contact_chain(contacts: CaseContacts, *, duty_judge: bool) -> list[ContactStep]:
    """Judge's mobile, division office, division head, then (if enabled) the duty judge.

    Steps without a number are left out, and a number already in the chain is not rung twice
    (a division head who is also the judge in charge, a duty judge of the same division).
    """
    candidates: list[ContactStep] = []
    judge = contacts.judge
    if judge is not None and judge.mobile:
        candidates.append(ContactStep(ContactRole.JUDGE, judge.name, judge.mobile, judge.id))
    division = contacts.division
    if division is not None and division.office_phone:
        candidates.append(
            ContactStep(ContactRole.DIVISION_OFFICE, division.name, division.office_phone)
        )
    head = contacts.division_head
    if head is not None and head.mobile:
        candidates.append(ContactStep(ContactRole.DIVISION_HEAD, head.name, head.mobile, head.id))
    duty = contacts.duty_judge
    if duty_judge and duty is not None and duty.mobile:
        candidates.append(ContactStep(ContactRole.DUTY_JUDGE, duty.name, duty.mobile, duty.id))
    chain: list[ContactStep] = []
    seen: set[str] = set()
    for step in candidates:
        if step.number in seen:
            continue
        seen.add(step.number)
        chain.append(step)
    return chain
