"""The timeline as an ActivityPub actor (issue 34): the documents the fediverse knows it by, pure
functions of the model, as JSON. The daemon serves them when the header names an account
(`fediverse: {account: NAME}`): WebFinger for `@NAME@host`, the actor, its outbox and followers,
and each event as a Note at its page's address.

An event is a `Note`, not an `Event`: Mastodon shows a Note as a post, while an Event needs an
exact start that a year or a month cannot honestly give. Its text is the feeds' (the date at its
precision, the summary, the place, the tags, every source with its quote, the link to its page),
under the event's headline."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any
from urllib.parse import urlsplit

from timeline.model import Change, Event, History, Timeline
from timeline.render import own_pages, prose

MEDIA_TYPE = "application/activity+json"
JRD = "application/jrd+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
_CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
ACTOR, OUTBOX, FOLLOWERS, INBOX = "actor", "outbox", "followers", "inbox"


def account(timeline: Timeline) -> str:
    """The account as a person types it: `@iom_vietnam@timeline.example.org`."""
    return f"@{timeline.fediverse_account}@{host(timeline)}"


def host(timeline: Timeline) -> str:
    """The host of the account: the base URL's, where /.well-known/webfinger must answer."""
    return urlsplit(timeline.base_url).netloc


def actor_id(timeline: Timeline) -> str:
    return timeline.url(ACTOR)


def key_id(timeline: Timeline) -> str:
    """The id of the actor's public key, which every signature names."""
    return actor_id(timeline) + "#main-key"


def webfinger(timeline: Timeline, resource: str) -> bytes | None:
    """The JRD (RFC 7033) of `resource` if it names the actor (`acct:NAME@host`, or the actor's
    address); None if it names nobody here."""
    subject = f"acct:{timeline.fediverse_account}@{host(timeline)}"
    if resource.lower() not in (subject.lower(), actor_id(timeline)):
        return None
    page = timeline.url("index.html")
    return _json(
        {
            "subject": subject,
            "aliases": [actor_id(timeline), page],
            "links": [
                {"rel": "self", "type": MEDIA_TYPE, "href": actor_id(timeline)},
                {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": page},
            ],
        }
    )


def actor(timeline: Timeline, public_key_pem: str) -> bytes:
    """The actor document: a Service (a timeline posts by itself), its page, its key."""
    me = actor_id(timeline)
    return _json(
        {
            "@context": _CONTEXT,
            "id": me,
            "type": "Service",
            "preferredUsername": timeline.fediverse_account,
            "name": timeline.title,
            "summary": f"<p>{escape(timeline.description)}</p>",
            "url": timeline.url("index.html"),
            "inbox": timeline.url(INBOX),
            "outbox": timeline.url(OUTBOX),
            "followers": timeline.url(FOLLOWERS),
            "endpoints": {"sharedInbox": timeline.url(INBOX)},
            "manuallyApprovesFollowers": False,
            "discoverable": True,
            "publicKey": {"id": key_id(timeline), "owner": me, "publicKeyPem": public_key_pem},
            **(
                {"icon": {"type": "Image", "url": timeline.fediverse_icon}} if timeline.fediverse_icon else {}
            ),
        }
    )


def note_of(timeline: Timeline, history: History, event: Event) -> dict[str, Any]:
    """The event as a Note, its id its page's address."""
    revision = history.get(event.id)
    page = timeline.event_url(event.id)
    content = f"<p><strong>{escape(event.headline())}</strong></p>\n{prose.html(event, timeline)}"
    made: dict[str, Any] = {
        "id": page,
        "type": "Note",
        "attributedTo": actor_id(timeline),
        "to": [PUBLIC],
        "cc": [timeline.url(FOLLOWERS)],
        "published": prose.rfc3339(revision.first_published),
        "url": page,
        "content": content,
        "contentMap": {timeline.language: content},
        "tag": [
            {"type": "Hashtag", "name": f"#{tag}", "href": timeline.url(f"tags/{tag}.atom")}
            for tag in event.tags
        ],
    }
    if revision.last_changed != revision.first_published:
        made["updated"] = prose.rfc3339(revision.last_changed)
    return made


def note_document(timeline: Timeline, history: History, name: str) -> bytes | None:
    """The Note at an event's page address (`events/<id>.html`), for a client that asks for
    ActivityPub there; None if no event published has its page there."""
    found = own_pages.whose(timeline, name)
    if found is None or found[1] != "html":
        return None
    event = timeline.events[found[0].place]
    return _json({"@context": _CONTEXT[0], **note_of(timeline, history, event)})


def _event(timeline: Timeline, event_id: str) -> Event | None:
    """The event published with this id, found by the index of the events' pages (made once a
    timeline): a server asking for one Note must not cost a pass over every event."""
    at = own_pages.places(timeline).get(event_id)
    return timeline.events[at.place] if at is not None else None


def created(timeline: Timeline, history: History, event: Event) -> dict[str, Any]:
    """The Create of the event's Note, as its outbox lists it."""
    made = note_of(timeline, history, event)
    return {
        "id": made["id"] + "#created",
        "type": "Create",
        "actor": actor_id(timeline),
        "published": made["published"],
        "to": made["to"],
        "cc": made["cc"],
        "object": made,
    }


def announced(timeline: Timeline, history: History, changes: Sequence[Change]) -> list[dict[str, Any]]:
    """What followers are sent of `changes` (a build's new ones): an event added (or put back)
    as a Create of its Note, changed as an Update, removed as a Delete of a Tombstone at its
    address. Each activity's id is its change's own, so that a server that has it takes no
    second copy."""
    made = []
    for change in changes:
        event = _event(timeline, change.event_id)
        kind = _ACTIVITY.get(change.kind)
        if kind is None or (event is None) != (kind == "Delete"):
            continue  # a notice, or an event no longer (or not yet) as the change says
        thing = (
            {"id": timeline.event_url(change.event_id), "type": "Tombstone"}
            if event is None
            else note_of(timeline, history, event)
        )
        made.append(
            {
                "@context": _CONTEXT[0],
                "id": f"{timeline.event_url(change.event_id)}#{change.kind}/{change.sequence}",
                "type": kind,
                "actor": actor_id(timeline),
                "published": prose.rfc3339(change.at),
                "to": [PUBLIC],
                "cc": [timeline.url(FOLLOWERS)],
                "object": thing,
            }
        )
    return made


_ACTIVITY = {"added": "Create", "restored": "Create", "changed": "Update", "removed": "Delete"}


def outbox(timeline: Timeline, history: History) -> bytes:
    """The Creates of the latest events, newest first (as many as a feed holds)."""
    latest = timeline.events[-timeline.feed_entries :][::-1]
    return _json(
        {
            "@context": _CONTEXT[0],
            "id": timeline.url(OUTBOX),
            "type": "OrderedCollection",
            "totalItems": len(timeline.events),
            "orderedItems": [created(timeline, history, event) for event in latest],
        }
    )


def followers(timeline: Timeline, count: int) -> bytes:
    """How many follow it; not who (a follower's list is theirs to show)."""
    return _json(
        {
            "@context": _CONTEXT[0],
            "id": timeline.url(FOLLOWERS),
            "type": "OrderedCollection",
            "totalItems": count,
        }
    )


def _json(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()
