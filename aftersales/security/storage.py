"""Static files storage for production: whitenoise's compressed manifest storage, without source maps.

The vendored bundles (Chart.js, Bootstrap) end with a sourceMappingURL comment for a .map file we do not
ship; Django's manifest storage would make collectstatic fail on it. Source maps are a development aid,
so those references are left as they are instead of being hashed.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    cleaned = []
    for extension, rules in patterns:
        kept = tuple(rule for rule in rules if "sourceMappingURL" not in (rule if isinstance(rule, str) else rule[0]))
        cleaned.append((extension, kept))
    return tuple(cleaned)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
