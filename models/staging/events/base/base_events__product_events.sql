{#- Every copy of product_log, staged
    (macros/staging/staged_copies.sql). -#}
{{ assert_source_columns('events', 'product_log') }}

with

{{ staged_copies('product_log') }}

select * from copies_ranked
