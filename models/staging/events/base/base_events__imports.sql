{#- Every copy of import_log, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'import_log') }}

with

{{ staged_copies('import_log') }}

select * from copies_ranked
