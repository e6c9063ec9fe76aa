{#- Every copy of template_log, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'template_log') }}

with

{{ staged_copies('template_log') }}

select * from copies_ranked
