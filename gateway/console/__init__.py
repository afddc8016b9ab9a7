"""The admin console: server-rendered pages, under /console, through which an org's admins see
and manage their seats, members, billing and identity provider. It calls the same use cases as
the admin API and holds no SQL and no seat rule."""
