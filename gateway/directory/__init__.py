"""The directory API for the product: users, groups and group members of an organization."""
