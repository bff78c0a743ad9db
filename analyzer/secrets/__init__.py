"""The secrets engine: detect-secrets' plugins and filters behind a fast prefilter."""
