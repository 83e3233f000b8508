"""Library (database), jobs, cloud client, secrets and AI providers: what the pipeline runs on."""
