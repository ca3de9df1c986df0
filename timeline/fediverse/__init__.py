"""The timeline as an ActivityPub actor, followable from Mastodon and the fediverse (issue 34):
its key pair (keys.py); the documents it is known by are rendered in timeline.render.activitypub."""
