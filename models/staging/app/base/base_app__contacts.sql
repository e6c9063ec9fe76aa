{%- set key_columns = ['contact_id'] -%}

{{ assert_source_columns('app', 'contacts') }}

with

source as (

    select * from {{ source('app', 'contacts') }}

),

renamed as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        {{ hash_pii('email') }} as email_hash,
        {{ hash_pii('phone') }} as phone_hash,
        cast(grade as {{ dbt.type_string() }}) as grade,
        cast(source as {{ dbt.type_string() }}) as source,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
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
