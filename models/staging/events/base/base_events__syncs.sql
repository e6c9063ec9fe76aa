{#- Every copy of sync_log, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'sync_log') }}

with

{{ staged_copies('sync_log') }}

select * from copies_ranked
