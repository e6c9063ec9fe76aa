{#- Every copy of automation_log, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'automation_log') }}

with

{{ staged_copies('automation_log') }}

select * from copies_ranked
