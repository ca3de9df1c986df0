"""timeline: a dated list of events, published as feeds and calendars that never lie about what changed."""
