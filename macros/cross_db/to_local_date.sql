{#- The calendar date of a UTC timestamp in an IANA timezone (DST and
    half-hour offsets included). A null timezone falls back to UTC, as
    kpis.md asks for rows with no tenant.
    Arguments: timestamp_expr, a naive UTC timestamp; timezone_expr, an
    IANA name such as 'Asia/Kolkata'. -#}
{% macro to_local_date(timestamp_expr, timezone_expr) -%}
    {{ return(adapter.dispatch('to_local_date', 'retail_saas')(
        timestamp_expr, timezone_expr)) }}
{%- endmacro %}

{% macro default__to_local_date(timestamp_expr, timezone_expr) -%}
    cast((({{ timestamp_expr }}) at time zone 'UTC')
        at time zone coalesce({{ timezone_expr }}, 'UTC') as date)
{%- endmacro %}

{#- DuckDB's timezone() with a column for the zone builds an ICU calendar
    per row (about 3 us: 10 s for 3.3M messages on 2 cores); with a
    literal zone it is bound once and 15x faster. So the tenants' zones
    known when the model compiles each get a branch with a literal, and
    the else branch (any other zone: unit tests, a tenant new since the
    compile) computes the same value the slow way. Same results, only
    faster (docs/decisions.md "Local dates on DuckDB"). -#}
{% macro duckdb__to_local_date(timestamp_expr, timezone_expr) -%}
    {%- set zone = 'coalesce(' ~ timezone_expr ~ ", 'UTC')" -%}
    {%- set instant = 'cast(' ~ timestamp_expr ~ ' as timestamptz)' -%}
    {%- set zones = duckdb_known_timezones() -%}
    {%- if zones -%}
    case {{ zone }}
        {%- for name in zones %}
        when '{{ name }}' then cast(timezone('{{ name }}', {{ instant }}) as date)
        {%- endfor %}
        else cast(timezone({{ zone }}, {{ instant }}) as date)
    end
    {%- else -%}
    cast(timezone({{ zone }}, {{ instant }}) as date)
    {%- endif -%}
{%- endmacro %}

{#- The valid IANA zones of the tenants built so far (stg_app__tenants),
    the most common first, at most 64 (each branch costs a comparison);
    plus UTC; [] at parse time or before the tenants exist. Names come from
    pg_timezone_names(), so they are safe to inline as literals. -#}
{% macro duckdb_known_timezones() -%}
    {#- unit tests take the else branch (their inputs are fixtures) -#}
    {%- if model.resource_type == 'unit_test' -%}
        {{ return([]) }}
    {%- endif -%}
    {#- a ref, also at parse time: the zones are read from the tenants, so
        every model with local dates depends on them (docs lineage) -#}
    {%- set tenants = ref('stg_app__tenants') -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set found = adapter.get_relation(
        database=tenants.database, schema=tenants.schema,
        identifier=tenants.identifier) -%}
    {%- if found is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select tenants.timezone
        from {{ found }} as tenants
        inner join pg_timezone_names() as zones
            on tenants.timezone = zones.name
        group by tenants.timezone
        order by count(*) desc, tenants.timezone
        limit 64
    {%- endset -%}
    {%- set zones = run_query(query).columns[0].values() | list -%}
    {#- rows with no tenant (brand-side) fall back to UTC -#}
    {{ return(zones if 'UTC' in zones else zones + ['UTC']) }}
{%- endmacro %}

{% macro redshift__to_local_date(timestamp_expr, timezone_expr) -%}
    cast(convert_timezone('UTC', coalesce({{ timezone_expr }}, 'UTC'),
        {{ timestamp_expr }}) as date)
{%- endmacro %}

{% macro spark__to_local_date(timestamp_expr, timezone_expr) -%}
    to_date(from_utc_timestamp({{ timestamp_expr }},
        coalesce({{ timezone_expr }}, 'UTC')))
{%- endmacro %}
