{%- set key_columns = ['message_id'] -%}

{{ assert_source_columns('events', 'raw_message') }}

with

source as (

    select * from {{ source('events', 'raw_message') }}

),

renamed as (

    select
        cast(message_id as {{ dbt.type_string() }}) as message_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(conversation_id as {{ dbt.type_string() }}) as conversation_id,
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(direction as {{ dbt.type_string() }}) as direction,
        cast(in_reply_to as {{ dbt.type_string() }}) as in_reply_to_message_id,
        cast(is_automated as boolean) as is_automated,
        cast(template_id as {{ dbt.type_string() }}) as template_id,
        cast(ai_generation_id as {{ dbt.type_string() }}) as ai_generation_id,
        cast(catalog_product_count as bigint) as catalog_product_count,
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
