"""Parses an email with Python's own MIME parser and prints it as JSON (the notification
tests read it): headers, and every leaf part's type, file name and decoded text."""

import email
import email.policy
import json
import sys

with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
parts = []
for part in msg.walk():
    if part.is_multipart():
        continue
    payload = part.get_payload(decode=True) or b""
    parts.append(
        {
            "content_type": part.get_content_type(),
            "filename": part.get_filename(),
            "text": payload.decode(part.get_content_charset() or "utf-8"),
        }
    )
print(
    json.dumps(
        {
            "subject": str(msg["subject"]),
            "from": str(msg["from"]),
            "to": [str(a) for a in msg.get_all("to", [])],
            "header_names": list(msg.keys()),
            "is_multipart": msg.is_multipart(),
            "defects": [str(d) for d in msg.defects],
            "parts": parts,
        }
    )
)
