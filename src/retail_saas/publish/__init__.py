"""Write-audit-publish: `retail-saas build [dbt build options]` builds the
project where no reader sees it, runs every test, and publishes the whole
build at once only if all of it passed (docs/decisions.md "Write, audit,
publish")."""
