{#- Every copy of contact_log, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'contact_log') }}

with

{{ staged_copies('contact_log') }}

select * from copies_ranked
