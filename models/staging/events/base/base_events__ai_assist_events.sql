{#- Every copy of ai_assist_log, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'ai_assist_log') }}

with

{{ staged_copies('ai_assist_log') }}

select * from copies_ranked
