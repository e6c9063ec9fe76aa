{#- Every copy of raw_message, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'raw_message') }}

with

{{ staged_copies('raw_message') }}

select * from copies_ranked
