#!/usr/bin/env python3
"""Drive the Directory emulator with Google's own Python client, as a new user would.

google-api-python-client + google-auth, unchanged except for two settings: the API endpoint
(`client_options={"api_endpoint": ...}`) and the key file's `token_uri`. The discovery
document is the one the client library ships (`build(..., static_discovery=True)`, its
default), as a new user's program would use it.

Usage: python_interop.py ROOT_URL KEY_FILE ADMIN DOMAIN

Each check prints one line `ok <name>`; the first failure raises, and the exit status is
non-zero. Run by roster-google-emulator/tests/python_interop.rs.
"""

import json
import sys

from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

SCOPES = [
    "https://www.googleapis.com/auth/admin.directory.user",
    "https://www.googleapis.com/auth/admin.directory.orgunit",
    "https://www.googleapis.com/auth/admin.directory.userschema",
]


def check(name, condition, detail=""):
    if not condition:
        raise AssertionError(f"{name}: {detail}")
    print(f"ok {name}", flush=True)


def main():
    root, key_file, admin, domain = sys.argv[1:5]
    if not root.endswith("/"):
        root += "/"
    creds = service_account.Credentials.from_service_account_file(
        key_file, scopes=SCOPES, subject=admin
    )
    service = build(
        "admin",
        "directory_v1",
        credentials=creds,
        client_options={"api_endpoint": root},
        static_discovery=True,
    )

    # orgunits: insert, get (a path with a slash), list. The first call gets the token:
    # google-auth signs for https://oauth2.googleapis.com/token and posts to token_uri.
    ous = service.orgunits()
    made = ous.insert(
        customerId="my_customer", body={"name": "Students", "parentOrgUnitPath": "/"}
    ).execute()
    check("token", creds.valid and creds.token.startswith("ya29."), "no token")
    check("orgunits.insert", made["orgUnitPath"] == "/Students", made)
    ous.insert(
        customerId="my_customer",
        body={"name": "HS", "parentOrgUnitPath": "/Students"},
    ).execute()
    got = ous.get(customerId="my_customer", orgUnitPath="Students/HS").execute()
    check("orgunits.get", got["orgUnitPath"] == "/Students/HS", got)
    listed = ous.list(customerId="my_customer", type="all").execute()
    paths = sorted(o["orgUnitPath"] for o in listed.get("organizationUnits", []))
    check("orgunits.list", paths == ["/Students", "/Students/HS"], paths)
    try:
        ous.insert(
            customerId="my_customer", body={"name": "HS", "parentOrgUnitPath": "/Students"}
        ).execute()
        check("orgunits.insert duplicate", False, "no error")
    except HttpError as e:
        check(
            "orgunits.insert duplicate",
            e.resp.status == 400 and e.error_details[0]["reason"] == "invalid"
            and e.reason == "Invalid Ou Id",
            (e.resp.status, e.reason, e.error_details),
        )

    # schemas: insert, list, get
    schemas = service.schemas()
    schema = schemas.insert(
        customerId="my_customer",
        body={
            "schemaName": "Sync",
            "fields": [{"fieldName": "DCID", "fieldType": "INT64", "indexed": True}],
        },
    ).execute()
    check("schemas.insert", schema["schemaName"] == "Sync", schema)
    names = [s["schemaName"] for s in schemas.list(customerId="my_customer").execute()["schemas"]]
    check("schemas.list", names == ["Sync"], names)
    check("schemas.get", schemas.get(customerId="my_customer", schemaKey="Sync").execute()["fields"][0]["fieldName"] == "DCID")

    # users: insert, get, patch, list with paging
    users = service.users()
    for n in range(5):
        users.insert(
            body={
                "primaryEmail": f"s{n}@{domain}",
                "name": {"givenName": f"S{n}", "familyName": "Lee"},
                "password": "correct horse battery",
                "orgUnitPath": "/Students/HS",
                "customSchemas": {"Sync": {"DCID": 100 + n}},
            }
        ).execute()
    check("users.insert", True)
    u = users.get(userKey=f"s1@{domain}", projection="full").execute()
    check("users.get", u["customSchemas"]["Sync"]["DCID"] == 101 and u["isAdmin"] is False, u)
    p = users.patch(userKey=u["id"], body={"suspended": True, "name": {"familyName": "Ng"}}).execute()
    check("users.patch", p["suspended"] and p["name"]["fullName"] == "S1 Ng", p)
    seen, pages = [], 0
    request = users.list(customer="my_customer", maxResults=2, orderBy="email")
    while request is not None:
        page = request.execute()
        pages += 1
        seen += [x["primaryEmail"] for x in page.get("users", [])]
        request = users.list_next(request, page)
    check("users.list paging", pages == 3 and seen == [f"s{n}@{domain}" for n in range(5)], (pages, seen))
    found = users.list(customer="my_customer", query="Sync.DCID=103").execute()
    check("users.list query", [x["primaryEmail"] for x in found["users"]] == [f"s3@{domain}"], found)

    # an error: HttpError with Google's status and reason
    try:
        users.get(userKey=f"nobody@{domain}").execute()
        check("error", False, "no error")
    except HttpError as e:
        body = json.loads(e.content)
        check(
            "error",
            e.resp.status == 404
            and e.error_details[0]["reason"] == "notFound"
            and e.reason == "Resource Not Found: userKey"
            and body["error"]["status"] == "NOT_FOUND",
            (e.resp.status, e.reason, e.error_details),
        )

    # batch: Google's BatchHttpRequest (its new_batch_http_request() always targets Google's
    # rootUrl, whatever the api_endpoint, so the batch URI is given)
    answers = {}

    def collect(request_id, response, exception):
        answers[request_id] = exception.resp.status if exception else response["primaryEmail"]

    batch = BatchHttpRequest(callback=collect, batch_uri=root + "batch")
    batch.add(users.get(userKey=f"s0@{domain}"), request_id="a")
    batch.add(users.patch(userKey=f"s2@{domain}", body={"suspended": True}), request_id="b")
    batch.add(users.get(userKey=f"nobody@{domain}"), request_id="c")
    batch.execute()
    check("batch", answers == {"a": f"s0@{domain}", "b": f"s2@{domain}", "c": 404}, answers)


if __name__ == "__main__":
    main()
