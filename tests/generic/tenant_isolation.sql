{#- Tenant isolation (raw_contract "Bad rows" rule 3, re-proved on a built
    model): every row's tenant matches the tenant of each user, team,
    template and contact it names.

    Arguments:
      model          the model under test (given by dbt).
      tenant_column  the row's tenant column; default tenant_id. Rows whose
                     tenant is null (brand-side rows) are not checked: they
                     belong to no tenant, so there is nothing to match.
      references     list of reference columns, e.g.
                     [user_id, team_id, template_id, contact_id]. Each
                     column is checked against the staging model its name
                     ends with: *user_id -> stg_app__users, *team_id ->
                     stg_app__teams, *template_id -> stg_app__templates,
                     *contact_id -> stg_app__contacts (so owner_user_id
                     works too). An item may also be a mapping
                     {column: ..., to: <model>, key: <id column>} to name
                     the referenced model explicitly.

    Matching: the referenced row's tenant_id equals the row's tenant. A
    brand-published template (tenant_id null, brand_id set) matches every
    tenant that carries its brand in stg_app__brand_retailers. An id found
    in no referenced row is not a failure (raw_contract: "an id found
    nowhere is not bad").

    Returns one row per (row, reference) that points into another tenant:
    reference_column, reference_id, row_tenant_id. -#}
{% test tenant_isolation(model, references, tenant_column='tenant_id') %}

{%- set suffix_map = [
    ('template_id', 'stg_app__templates', 'template_id'),
    ('contact_id', 'stg_app__contacts', 'contact_id'),
    ('user_id', 'stg_app__users', 'user_id'),
    ('team_id', 'stg_app__teams', 'team_id'),
] -%}
{%- set checks = [] -%}
{%- for item in references -%}
    {%- if item is mapping -%}
        {%- do checks.append({
            'column': item['column'],
            'to': item['to'],
            'key': item.get('key', item['column']),
        }) -%}
    {%- else -%}
        {%- set found = namespace(to=none, key=none) -%}
        {%- for suffix, to_model, key in suffix_map -%}
            {%- if found.to is none
                and (item | lower).endswith(suffix) -%}
                {%- set found.to = to_model -%}
                {%- set found.key = key -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if found.to is none -%}
            {{ exceptions.raise_compiler_error(
                'tenant_isolation: cannot tell which model `' ~ item
                ~ '` references; pass {column, to, key}') }}
        {%- endif -%}
        {%- do checks.append(
            {'column': item, 'to': found.to, 'key': found.key}) -%}
    {%- endif -%}
{%- endfor %}

with

brand_retailers as (
    select
        brand_id,
        tenant_id
    from {{ ref('stg_app__brand_retailers') }}
),

{% for check in checks %}
failures_{{ loop.index }} as (
    select
        '{{ check.column }}' as reference_column,
        cast(checked.{{ check.column }} as {{ dbt.type_string() }})
            as reference_id,
        cast(checked.{{ tenant_column }} as {{ dbt.type_string() }})
            as row_tenant_id
    from {{ model }} as checked
    where
        checked.{{ check.column }} is not null
        and checked.{{ tenant_column }} is not null
        -- an id found nowhere is not a failure
        and exists (
            select 1
            from {{ ref(check.to) }} as referenced
            where referenced.{{ check.key }} = checked.{{ check.column }}
        )
        and not exists (
            select 1
            from {{ ref(check.to) }} as referenced
            where
                referenced.{{ check.key }} = checked.{{ check.column }}
                and (
                    referenced.tenant_id = checked.{{ tenant_column }}
                    {%- if check.to == 'stg_app__templates' %}
                    -- a brand-published template belongs to every
                    -- retailer carrying its brand
                    or (
                        referenced.tenant_id is null
                        and exists (
                            select 1
                            from brand_retailers
                            where
                                brand_retailers.brand_id
                                = referenced.brand_id
                                and brand_retailers.tenant_id
                                = checked.{{ tenant_column }}
                        )
                    )
                    {%- endif %}
                )
        )
),

{% endfor %}
final as (
    {% for check in checks %}
    select * from failures_{{ loop.index }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final

{% endtest %}
