"""The mapping stage: transform (dbt), lineage, contracts, inventory, manifest, schema check and deploy,
map propose and map diff, and the rebuild reference."""
