"""Reads a live Accord hub through a client generated from its OpenAPI document.

Run by crates/accord-server/tests/openapi.rs (ACCORD_PY_INTEROP=1) after
`openapi-python-client generate` wrote the package `accord_hub_client` on PYTHONPATH:

    python3 smoke.py BASE_URL PARTY TOKEN

Every answer is parsed by the generated models, so a schema that disagrees with what the hub
sends (an enum value, a missing field, a wrong type) fails here. Exits non-zero on the first
disagreement, printing it.
"""

import sys

from accord_hub_client import AuthenticatedClient, Client
from accord_hub_client.api.health import readyz
from accord_hub_client.api.incidents import get_incident, list_incidents
from accord_hub_client.api.log import get_checkpoint
from accord_hub_client.api.pathways import get_pathways
from accord_hub_client.api.registry import get_accord, get_party, list_parties
from accord_hub_client.api.requests import list_requests
from accord_hub_client.api.scorecards import get_party_scorecard
from accord_hub_client.types import UNSET, Unset


def check(cond, what):
    if not cond:
        print(f"smoke: {what}", file=sys.stderr)
        sys.exit(1)


def ok(response, what):
    """The parsed body of a 200 answer; anything else ends the run naming the request."""
    check(
        response.status_code == 200 and response.parsed is not None,
        f"{what}: {response.status_code} {response.content[:300]!r}",
    )
    return response.parsed


def main():
    base, party, token = sys.argv[1], sys.argv[2], sys.argv[3]
    hub = Client(base_url=base, raise_on_unexpected_status=True)

    accord = ok(get_accord.sync_detailed(client=hub), "GET /api/v1/accord")

    # Every party, page by page (the registry holds every supporter on the official list).
    parties, cursor = [], None
    while True:
        page = ok(
            list_parties.sync_detailed(client=hub, limit=500, cursor=cursor or UNSET),
            f"GET /api/v1/parties after {cursor}",
        )
        check(page.total == accord.counts.parties, "the party list's total disagrees with the counts")
        parties += [p.id for p in page.items]
        if isinstance(page.next_, Unset):
            break
        cursor = page.next_
    check(len(parties) == accord.counts.parties, "the party list disagrees with the counts")
    check(len(set(parties)) == len(parties), "a party came twice while paging")
    companies = ok(
        list_parties.sync_detailed(client=hub, kind="company", q="google", status="supporter"),
        "GET /api/v1/parties?kind=company&q=google&status=supporter",
    )
    check("google" in [p.id for p in companies.items], "Google is not listed as a supporting company")
    one = ok(get_party.sync_detailed(party, client=hub), f"GET /api/v1/parties/{party}")
    check(one.id == party, f"GET /api/v1/parties/{party} answered {one.id}")
    ok(get_party_scorecard.sync_detailed(party, client=hub), f"GET /api/v1/scorecards/parties/{party}")

    # Every incident, page by page, each read again on its own.
    ids, cursor = [], None
    while True:
        page = ok(
            list_incidents.sync_detailed(client=hub, limit=7, cursor=cursor or UNSET),
            f"GET /api/v1/incidents after {cursor}",
        )
        ids += [r.incident.id for r in page.items]
        if isinstance(page.next_, Unset):
            break
        cursor = page.next_
    check(len(ids) == accord.counts.incidents, f"{len(ids)} incidents paged, counts say {accord.counts.incidents}")
    check(len(set(ids)) == len(ids), "an incident came twice while paging")
    for i in ids:
        record = ok(get_incident.sync_detailed(i, client=hub), f"GET /api/v1/incidents/{i}")
        check(record.incident.id == i, f"GET /api/v1/incidents/{i} answered {record.incident.id}")
    missing = get_incident.sync_detailed("no-such-incident", client=hub)
    check(missing.status_code == 404, f"an unknown incident answered {missing.status_code}")

    # The log's head: the checkpoint note's second line is the tree size, as /readyz reports it.
    head = get_checkpoint.sync_detailed(client=hub)
    check(head.status_code == 200, f"GET /log/checkpoint answered {head.status_code}")
    size = int(head.content.decode().split("\n")[1])
    ready = ok(readyz.sync_detailed(client=hub), "GET /readyz")
    check(ready.size == size, f"/readyz says {ready.size}, the checkpoint {size}")

    # The legal engine: FR asking for subscriber data held in the US.
    answer = ok(
        get_pathways.sync_detailed(client=hub, from_="FR", to="US", data="subscriber"),
        "GET /api/v1/pathways",
    )
    check(answer.to_dict(), "the pathways answer is empty")

    # A bearer-token read.
    me = AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)
    mine = ok(list_requests.sync_detailed(client=me), "GET /api/v1/requests with a token")
    check(mine == [], f"a new hub lists evidence requests: {mine}")
    anonymous = list_requests.sync_detailed(client=hub)
    check(anonymous.status_code == 401, f"requests without a token answered {anonymous.status_code}")

    print(f"smoke: {len(parties)} parties, {len(ids)} incidents, log size {size}")


main()
