{#- Conditions of raw_contract "Bad rows", one macro per kind of rule, used
    in the `when` branches of the validated models. Lookups name columns
    of the row being validated, which every validated model calls
    `deduped` (override with row=). References are checked against the
    valid rows (stg models) of the referenced table; an id found nowhere
    there is not bad, so only a found id in another tenant fails. -#}

{#- Rule 1/2: null, or only spaces (the value itself is never trimmed). -#}
{% macro is_blank(expression) -%}
    ({{ expression }} is null
        or trim(cast({{ expression }} as {{ dbt.type_string() }})) = '')
{%- endmacro %}

{#- The staging model and id column behind each referenced entity. -#}
{% macro reference_target(entity) -%}
    {%- set targets = {
        'tenant': ('stg_app__tenants', 'tenant_id'),
        'brand': ('stg_app__brands', 'brand_id'),
        'user': ('stg_app__users', 'user_id'),
        'team': ('stg_app__teams', 'team_id'),
        'contact': ('stg_app__contacts', 'contact_id'),
        'template': ('stg_app__templates', 'template_id'),
    } -%}
    {{ return(targets[entity]) }}
{%- endmacro %}

{#- Rule 2: a tenant_id / brand_id that is set but not a valid row of
    tenants / brands. Argument: entity, 'tenant' or 'brand'. -#}
{% macro is_unknown(entity, row='deduped') -%}
    {%- set target = reference_target(entity) -%}
    ({{ row }}.{{ target[1] }} is not null
        and not exists (
            select 1 from {{ ref(target[0]) }} as referenced
            where referenced.{{ target[1] }} = {{ row }}.{{ target[1] }}
        ))
{%- endmacro %}

{#- Rule 3: the referenced user / team / contact exists (valid) in another
    tenant. Arguments: entity ('user', 'team', 'contact'); column, the
    row's column when not <entity>_id (e.g. owner_user_id). -#}
{% macro is_cross_tenant(entity, column=none, row='deduped') -%}
    {%- set target = reference_target(entity) -%}
    {%- set column = column or target[1] -%}
    exists (
        select 1 from {{ ref(target[0]) }} as referenced
        where referenced.{{ target[1] }} = {{ row }}.{{ column }}
            and referenced.tenant_id <> {{ row }}.tenant_id
    )
{%- endmacro %}

{#- Rule 3 for templates: the template exists (valid) but belongs neither
    to the row's tenant nor, when brand-published (tenant_id null), to a
    brand that the row's tenant carries. -#}
{% macro is_cross_tenant_template(column='template_id', row='deduped') -%}
    ({{ row }}.tenant_id is not null
        and exists (
            select 1 from {{ ref('stg_app__templates') }} as referenced
            where referenced.template_id = {{ row }}.{{ column }}
        )
        and not exists (
            {#- the (template, tenant) pairs allowed, as one derived table:
                an equality match instead of an OR over a join, which
                multiplied every row by the brand's carriers (and Spark
                resolves outer columns one subquery level deep only) -#}
            select 1
            from (
                select
                    owned.template_id,
                    owned.tenant_id
                from {{ ref('stg_app__templates') }} as owned
                where owned.tenant_id is not null
                union all
                select
                    published.template_id,
                    carriers.tenant_id
                from {{ ref('stg_app__templates') }} as published
                inner join {{ ref('stg_app__brand_retailers') }} as carriers
                    on published.brand_id = carriers.brand_id
                where published.tenant_id is null
            ) as allowed
            where allowed.template_id = {{ row }}.{{ column }}
                and allowed.tenant_id = {{ row }}.tenant_id
        ))
{%- endmacro %}

{#- Rule 5: the column's value is outside its contract list (exact,
    case-sensitive; null is outside unless the list allows it).
    Arguments: table_name (source table), column. -#}
{% macro not_in_contract_list(table_name, column, row='deduped') -%}
    {%- set spec = contract_lists()[table_name][column] -%}
    {%- set value = row ~ '.' ~ column -%}
    ({{ value }} is {{ 'not' if spec.get('nullable') else '' }} null
        {{ 'and' if spec.get('nullable') else 'or' }}
    {%- if spec.get('seed') %} not exists (
            select 1 from {{ ref(spec['seed']) }} as allowed
            where allowed.{{ spec['seed_column'] }} = {{ value }}
        ))
    {%- else %} {{ value }} not in (
            {%- for allowed in spec['values'] -%}
                '{{ allowed }}'{{ ', ' if not loop.last }}
            {%- endfor -%}
        ))
    {%- endif -%}
{%- endmacro %}

{#- Rule 6: event time more than 1 day (strictly) after the landing. -#}
{% macro is_in_future(time_column, row='deduped') -%}
    ({{ row }}.{{ time_column }}
        > {{ dbt.dateadd('day', 1, row ~ '.loaded_at') }})
{%- endmacro %}

{#- Rule 6, "Time bounds": event time before 2000-01-01 00:00 UTC (a
    clock reset to 1970, a placeholder date). -#}
{% macro is_before_2000(time_column, row='deduped') -%}
    ({{ row }}.{{ time_column }}
        < cast('2000-01-01 00:00:00' as {{ dbt.type_timestamp() }}))
{%- endmacro %}

{#- Rule 9: a brand event of a retailer that does not carry the brand
    (valid brand_retailers); only rows carrying both ids are checked. -#}
{% macro is_not_carried(row='deduped') -%}
    ({{ row }}.brand_id is not null
        and {{ row }}.tenant_id is not null
        and not exists (
            select 1 from {{ ref('stg_app__brand_retailers') }} as carriers
            where carriers.brand_id = {{ row }}.brand_id
                and carriers.tenant_id = {{ row }}.tenant_id
        ))
{%- endmacro %}
