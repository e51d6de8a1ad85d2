"""The shop's wording as marketing edits it: overrides of the translation catalogs, kept in
the database, drafted, previewed, published and reverted without a deploy."""
