{#- Every copy of asset_log, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'asset_log') }}

with

{{ staged_copies('asset_log') }}

select * from copies_ranked
