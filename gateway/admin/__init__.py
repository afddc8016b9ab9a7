"""The admin API (/admin/v1): JSON endpoints for operators and organization admins."""
