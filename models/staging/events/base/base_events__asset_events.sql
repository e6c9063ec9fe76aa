{%- set key_columns = ['event_id'] -%}

{{ assert_source_columns('events', 'asset_log') }}

with

source as (

    select * from {{ source('events', 'asset_log') }}

),

renamed as (

    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(brand_id as {{ dbt.type_string() }}) as brand_id,
        cast(asset_id as {{ dbt.type_string() }}) as asset_id,
        cast(asset_type as {{ dbt.type_string() }}) as asset_type,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(action as {{ dbt.type_string() }}) as action,
        cast(bytes as bigint) as bytes,
        cast(event_time as timestamp) as occurred_at,
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
