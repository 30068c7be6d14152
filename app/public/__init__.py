"""Public results: the frozen revisions a province chose to publish, as pages anyone can read
(no login), as open data (CSV, JSON, a Frictionless data package, a feed) and a page that
checks a file against the published SHA-256."""
