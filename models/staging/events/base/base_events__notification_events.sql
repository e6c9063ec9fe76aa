{%- set key_columns = ['event_id'] -%}

{{ assert_source_columns('events', 'notification_log') }}

with

source as (

    select * from {{ source('events', 'notification_log') }}

),

renamed as (

    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(notification_id as {{ dbt.type_string() }}) as notification_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(brand_id as {{ dbt.type_string() }}) as brand_id,
        cast(source as {{ dbt.type_string() }}) as source,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(status as {{ dbt.type_string() }}) as status,
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
