{#- Every bad row of every source (raw_contract "Bad rows"): the rows of
    each validated model that carry an invalid_reason, in one union. The
    tables and keys come from staging_tables(). -#}
{%- set tables = staging_tables() -%}

with

unioned as (

    {% for table_name, table in tables.items() %}
        select
            cast('{{ table_name }}' as {{ dbt.type_string() }}) as source_table,
            {{ quarantine_row_key(table['key']) }} as row_key,
            invalid_reason,
            loaded_at
        from {{ ref('val_' ~ table['source'] ~ '__' ~ table['model']) }}
        where invalid_reason is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        source_table,
        row_key,
        invalid_reason,
        loaded_at
    from unioned

)

select * from final
