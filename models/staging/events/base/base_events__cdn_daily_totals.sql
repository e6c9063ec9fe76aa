{#- Every copy of cdn_log, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'cdn_log') }}

with

{{ staged_copies('cdn_log') }}

select * from copies_ranked
