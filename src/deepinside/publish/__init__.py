"""What a run hands to readers: the README's claims table, the docs pages generated from
a run, the figure table, and results bundles. Reads claims and files; no step imports it."""
