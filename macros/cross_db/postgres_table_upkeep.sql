{#- Post-hooks that PostgreSQL needs and the other adapters do not
    (dbt_project.yml). -#}

{#- Every table model: fresh planner statistics. A table that dbt has just
    created has none until autovacuum gets to it, and a model that reads it
    at once is planned blind: int_messages_first_replied ran for more than
    16 minutes at scale 1 on a plan that takes 6.5 s with statistics.
    DuckDB and Spark plan without such statistics; Redshift analyzes new
    tables itself. -#}
{% macro analyze_table() -%}
    {{ return(adapter.dispatch('analyze_table', 'retail_saas')()) }}
{%- endmacro %}

{% macro default__analyze_table() -%}
{%- endmacro %}

{% macro postgres__analyze_table() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}

{#- The validated app models: an index on the key that other models'
    validation rules look up once per row (reference_target; the carriers'
    brand_id, tenant_id for is_not_carried). PostgreSQL cannot turn an
    `exists` inside a `case` into a join: it runs it as a subplan per row,
    which without an index scans the whole referenced table each time
    (val_events__contact_events ran for 19 minutes at scale 1, 8 s with the
    index). DuckDB decorrelates those subqueries into joins. -#}
{% macro lookup_key_index() -%}
    {{ return(adapter.dispatch('lookup_key_index', 'retail_saas')()) }}
{%- endmacro %}

{% macro default__lookup_key_index() -%}
{%- endmacro %}

{% macro postgres__lookup_key_index() -%}
    {%- set keys = {'val_app__brand_retailers': ['brand_id', 'tenant_id']} -%}
    {%- for entity in ['tenant', 'brand', 'user', 'team', 'contact', 'template'] -%}
        {%- set target = reference_target(entity) -%}
        {%- do keys.update({target[0] | replace('stg_', 'val_', 1): [target[1]]}) -%}
    {%- endfor -%}
    {%- if this.identifier in keys -%}
        create index on {{ this }} ({{ keys[this.identifier] | join(', ') }})
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of the two anomaly passes (int_kpi_points_prescreened,
    kpi_anomalies): no nested-loop joins while PostgreSQL builds them. Their
    CTEs (the training pairs, 354k at scale 1, and the medians over them)
    are estimated at 1 row, so the planner joined them in nested loops,
    40k x 354k comparisons, for hours; with hash joins the model takes 9 s.
    `set local` ends with the model's transaction. -#}
{% macro no_nested_loop_joins() -%}
    {{ return(adapter.dispatch('no_nested_loop_joins', 'retail_saas')()) }}
{%- endmacro %}

{% macro default__no_nested_loop_joins() -%}
{%- endmacro %}

{% macro postgres__no_nested_loop_joins() -%}
    set local enable_nestloop = off
{%- endmacro %}
