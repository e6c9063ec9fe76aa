{#- Every copy of media_log, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'media_log') }}

with

{{ staged_copies('media_log') }}

select * from copies_ranked
