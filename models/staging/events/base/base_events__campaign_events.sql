{%- set key_columns = ['event_id'] -%}

{{ assert_source_columns('events', 'campaign_log') }}

with

source as (

    select * from {{ source('events', 'campaign_log') }}

),

renamed as (

    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(brand_id as {{ dbt.type_string() }}) as brand_id,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(action as {{ dbt.type_string() }}) as action,
        cast(recipients_count as bigint) as recipients_count,
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
