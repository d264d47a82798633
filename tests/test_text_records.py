"""render_crm_record and render_ticket: readable Markdown from CRM records and ticket ZIPs."""

from __future__ import annotations

import io
import zipfile

import pytest

from resources.text import ExtractionError, UnreadableFileError, render_crm_record, render_ticket

CONTACT = {
    "id": "3ce16e33-0163-564d-98ce-99b0a25ab375",
    "externalId": "003Dn000001XYZ",
    "firstName": "Jane",
    "lastName": "Doe",
    "fullName": "Jane Doe",
    "companyName": "Acme Corp",
    "jobTitle": "CTO",
    "emails": [{"value": "jane@acme.com", "type": "work"}],
    "phoneNumbers": [],
    "addresses": [{"street": "1 Main St", "city": "Springfield", "country": "US"}],
    "type": "customer",
    "status": "active",
    "ownerId": "005Dn00000X",
    "createdAt": "2025-01-02T00:00:00Z",
    "updatedAt": "2025-03-01T00:00:00Z",
    "tags": ["vip", "beta"],
    "notes": "Met at the **summit**.\n\nPrefers email over calls.",
    "website": None,
    "customFields": {"Industry__c": "Software", "Region__c": "", "PartnerAccountId": "001X"},
}


def test_contact_renders_title_fields_notes_and_custom_fields() -> None:
    markdown = render_crm_record("contacts", CONTACT)

    lines = markdown.splitlines()
    assert lines[0] == "# Jane Doe"
    assert "- **Record type:** Contact" in lines
    assert "- **Company name:** Acme Corp" in lines
    assert "- **Job title:** CTO" in lines
    assert "- **Emails:** jane@acme.com (work)" in lines
    assert "- **Addresses:** 1 Main St, Springfield, US" in lines
    assert "- **Tags:** vip, beta" in lines
    assert "## Notes" in lines
    assert "Prefers email over calls." in lines
    assert "## Custom fields" in lines
    assert "- **Industry__c:** Software" in lines


def test_contact_rendering_skips_ids_empties_and_bookkeeping() -> None:
    markdown = render_crm_record("contacts", CONTACT)

    for absent in (
        "3ce16e33",
        "003Dn000001XYZ",
        "005Dn00000X",
        "001X",
        "Phone numbers",
        "Website",
        "Region__c",
        "2025-01-02",
        "First name",
    ):
        assert absent not in markdown


def test_deal_renders_its_name_amount_and_description() -> None:
    deal = {
        "id": "7f0c",
        "externalId": "006Dn000001",
        "createdAt": "2025-01-02T00:00:00Z",
        "updatedAt": "2025-03-01T00:00:00Z",
        "amount": 50000.0,
        "statusType": "open",
        "status": "Proposal Sent",
        "accountId": "001Dn0000AB",
        "ownerId": "005Dn00000X",
        "closeDate": "2025-04-30",
        "name": "Enterprise License",
        "probability": 75,
        "description": "Renewal with **upsell**.",
        "customFields": {},
    }

    markdown = render_crm_record("deals", deal)

    lines = markdown.splitlines()
    assert lines[0] == "# Enterprise License"
    assert "- **Amount:** 50000" in lines
    assert "- **Status type:** open" in lines
    assert "- **Close date:** 2025-04-30" in lines
    assert "- **Probability:** 75" in lines
    assert lines[lines.index("## Description") + 2] == "Renewal with **upsell**."
    assert "Custom fields" not in markdown
    assert "001Dn0000AB" not in markdown


def test_custom_object_takes_its_kind_and_title_from_its_fields() -> None:
    invoice = {
        "id": "9a",
        "externalId": "a0B",
        "objectType": "Invoice",
        "customFields": {"Name": "INV-2025-001", "Total": 12.5, "Paid": False},
    }

    markdown = render_crm_record("custom_objects", invoice)

    lines = markdown.splitlines()
    assert lines[0] == "# INV-2025-001"
    assert "- **Record type:** Invoice" in lines
    assert "- **Total:** 12.5" in lines
    assert "- **Paid:** no" in lines


def test_title_falls_back_to_first_and_last_name_then_to_the_kind() -> None:
    named = render_crm_record("contacts", {"id": "1", "firstName": "Bo", "lastName": "Li"})
    anonymous = render_crm_record("companies", {"id": "2", "industry": "Retail"})

    assert named.splitlines()[0] == "# Bo Li"
    assert anonymous.splitlines()[0] == "# Company"
    assert "- **Industry:** Retail" in anonymous.splitlines()


def test_a_job_title_field_called_title_is_kept_when_the_name_is_the_title() -> None:
    markdown = render_crm_record("contacts", {"fullName": "Ana Silva", "title": "VP Sales"})

    assert markdown.splitlines()[0] == "# Ana Silva"
    assert "- **Title:** VP Sales" in markdown.splitlines()


def ticket_zip(markdown: str, attachments: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("PRJ-7.md", markdown)
        for name, data in attachments.items():
            archive.writestr(f"attachments/{name}", data)
    return buffer.getvalue()


TICKET = {
    "id": "5b1",
    "externalId": "PRJ-7",
    "title": "Printer jams on tray 2",
    "status": {"id": "s-1", "name": "In progress"},
    "priority": "high",
    "type": "incident",
    "assignees": [{"id": "u-1", "name": "Ana", "email": "ana@acme.com"}],
    "originalRecord": {"raw": "provider payload that must not be indexed"},
    "description": "The printer jams whenever tray 2 is used.",
}

TICKET_MARKDOWN = """# Printer jams on tray 2

- **status**: In progress

## Description

The printer jams whenever tray 2 is used.

## Comments

### ana (2025-01-01)

Tried a reboot, no luck.

```
# a shell comment, not a heading
```

### bo (2025-01-02)

Replaced the roller.
"""


def test_ticket_renders_properties_description_comments_and_text_attachments() -> None:
    archive = ticket_zip(
        TICKET_MARKDOWN,
        {
            "error.log": b"E42 paper jam detected at tray 2",
            "settings": b"tray=2\nroller=worn",
            "manual.html": b"<h1>Roller</h1><p>Replace every 50k pages.</p>",
            "photo.png": b"\x89PNG\r\n\x1a\nbinary",
            "broken.docx": b"not a docx",
        },
    )

    markdown = render_ticket(TICKET, archive)

    lines = markdown.splitlines()
    assert lines[0] == "# Printer jams on tray 2"
    assert "- **Ticket:** PRJ-7" in lines
    assert "- **Status:** In progress" in lines
    assert "- **Priority:** high" in lines
    assert "- **Assignees:** Ana" in lines
    assert markdown.count("The printer jams whenever tray 2 is used.") == 1
    assert "Tried a reboot, no luck." in markdown
    assert "Replaced the roller." in markdown
    assert "# a shell comment, not a heading" in markdown
    assert "### error.log" in lines
    assert "E42 paper jam detected at tray 2" in lines
    assert "Replace every 50k pages." in markdown
    assert "roller=worn" in markdown
    assert "photo.png" not in markdown
    assert "broken.docx" not in markdown
    assert "provider payload" not in markdown
    assert "s-1" not in markdown


def test_a_ticket_without_comments_carries_its_description_once() -> None:
    # Its archived document has no Comments section: the whole document went in after the
    # rendered fields, title, properties and description again (two identical chunks).
    document = TICKET_MARKDOWN.split("## Comments")[0] + "## Resolution\n\nNew roller fitted.\n"

    markdown = render_ticket(TICKET, ticket_zip(document, {}))

    assert markdown.count("The printer jams whenever tray 2 is used.") == 1
    assert markdown.count("# Printer jams on tray 2") == 1
    assert "## Resolution" in markdown.splitlines()
    assert "New roller fitted." in markdown


def test_an_archived_description_unlike_the_records_keeps_the_whole_document() -> None:
    document = TICKET_MARKDOWN.split("## Comments")[0].replace("whenever", "only when")

    markdown = render_ticket(TICKET, ticket_zip(document, {}))

    assert "The printer jams whenever tray 2 is used." in markdown
    assert "The printer jams only when tray 2 is used." in markdown


def test_ticket_without_description_keeps_the_whole_archived_document() -> None:
    record = {key: value for key, value in TICKET.items() if key != "description"}

    markdown = render_ticket(record, ticket_zip(TICKET_MARKDOWN, {}))

    assert "The printer jams whenever tray 2 is used." in markdown
    assert "Replaced the roller." in markdown


def test_ticket_without_content_renders_from_the_record_alone() -> None:
    markdown = render_ticket(TICKET, None)

    assert markdown.splitlines()[0] == "# Printer jams on tray 2"
    assert "The printer jams whenever tray 2 is used." in markdown
    assert "Comments" not in markdown


def test_corrupt_ticket_archive_raises_an_extraction_error() -> None:
    with pytest.raises(UnreadableFileError) as raised:
        render_ticket(TICKET, b"PK\x03\x04 this is not a zip archive")

    assert isinstance(raised.value, ExtractionError)
    assert "Printer jams on tray 2" in str(raised.value)
