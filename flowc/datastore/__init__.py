"""The datastore: content-addressed artifacts, per-task manifests, run metadata and code packages,
in a local folder or under an S3 prefix. `layout` names every key; see docs/datastore.md.
"""
