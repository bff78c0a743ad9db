"""The audit evidence bundle: reports, copies of what was read, custody, checksums."""
