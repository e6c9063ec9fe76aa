{#- The run manifest (docs/decisions.md "Incremental loads"): one row per
    incremental model per run, appended by the model's post_hook
    (record_incremental_run, macros/incremental/run_manifest.sql). This
    model only creates the table, empty; later runs append nothing here.
    full_refresh=false: a --full-refresh keeps the history (the models it
    rebuilds record a row with is_full_refresh). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    file_format=incremental_file_format(),
    full_refresh=false,
) }}
with

final as (
    select
        cast(null as {{ dbt.type_string() }}) as model_name,
        cast(null as {{ dbt.type_string() }}) as invocation_id,
        cast(null as {{ dbt.type_timestamp() }}) as run_started_at,
        cast(null as {{ dbt.type_timestamp() }}) as high_water_mark,
        cast(null as {{ dbt.type_bigint() }}) as rows_in,
        cast(null as {{ dbt.type_bigint() }}) as partitions_touched,
        cast(null as {{ dbt.type_timestamp() }}) as started_at,
        cast(null as {{ dbt.type_timestamp() }}) as finished_at,
        cast(null as {{ type_double() }}) as seconds,
        cast(null as {{ dbt.type_boolean() }}) as is_full_refresh
)

select * from final
where 1 = 0
