{%- set key_columns = ['event_id'] -%}

{{ assert_source_columns('events', 'notification_log') }}

with

source as (

    select * from {{ source('events', 'notification_log') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(notification_id as varchar) as notification_id,
        cast(tenant_id as varchar) as tenant_id,
        cast(user_id as varchar) as user_id,
        cast(brand_id as varchar) as brand_id,
        cast(source as varchar) as source,
        cast(channel as varchar) as channel,
        cast(status as varchar) as status,
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
