"""Publishing the built outputs to object storage: an S3-compatible bucket behind a CDN serves
readers once a timeline outgrows one small server (plan.py: what to send and in which order;
s3.py: sending it)."""
