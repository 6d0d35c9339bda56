"""A local stand-in for a Salesforce org: REST, SOQL, Bulk API 2.0, files, limits and faults over HTTPS."""
