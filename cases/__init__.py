"""Case self-service (案件查询): keys in the case query code and password, hears the status."""
