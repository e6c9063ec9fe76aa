{%- set key_columns = ['sync_id'] -%}

{{ assert_source_columns('events', 'sync_log') }}

with

source as (

    select * from {{ source('events', 'sync_log') }}

),

renamed as (

    select
        cast(sync_id as {{ dbt.type_string() }}) as sync_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(platform as {{ dbt.type_string() }}) as platform,
        cast(started_at as timestamp) as started_at,
        cast(finished_at as timestamp) as finished_at,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(items_synced as bigint) as items_synced,
        cast(error_code as {{ dbt.type_string() }}) as error_code,
        cast(_loaded_at as timestamp) as loaded_at
    from source

),

ranked as (

    select
        renamed.*,
        {{ redelivery_rank(key_columns) }} as redelivery_rank,
        {{ copies_received(key_columns) }} as copies_received
    from renamed

)

select * from ranked
