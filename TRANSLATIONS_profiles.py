"""The profiles feature's new messages with their Simplified and Traditional Chinese, for
regenerating the .po files at merge: {msgid: (zh_Hans, zh_Hant)}."""

TABLE = {
    "Your profile: name, phone, address, products": (
        "您的档案：姓名、电话、地址、产品",
        "您的檔案：姓名、電話、地址、產品",
    ),
    "The customer's profile, tags, notes and tickets": (
        "客户的档案、标签、备注和工单",
        "客戶的檔案、標籤、備註和工單",
    ),
    "Tag this ticket's customer": ("给此工单的客户加标签", "為此工單的客戶加標籤"),
    "Remove a tag from this ticket's customer": (
        "移除此工单客户的一个标签",
        "移除此工單客戶的一個標籤",
    ),
    "Add a note about this ticket's customer": (
        "为此工单的客户添加备注",
        "為此工單的客戶新增備註",
    ),
    "Yes, still correct": ("是的，仍然正确", "是的，仍然正確"),
    "Update": ("更新", "更新"),
    "Once a year we check that what we hold about you is still right, so that our team "
    "reaches you and your products without a hitch. Is this still correct?": (
        "我们每年核对一次我们保存的您的信息是否仍然准确，以便我们的团队顺利联系到您并服务您的产品。以下信息是否仍然正确？",
        "我們每年核對一次我們保存的您的資料是否仍然準確，以便我們的團隊順利聯絡到您並服務您的產品。以下資料是否仍然正確？",
    ),
    "bought {date}": ("购于 {date}", "購於 {date}"),
    "not given": ("未提供", "未提供"),
    "Your profile, as Kefu holds it:": ("Kefu 保存的您的档案：", "Kefu 保存的您的檔案："),
    "Name: {value}": ("姓名：{value}", "姓名：{value}"),
    "Phone: {value}": ("电话：{value}", "電話：{value}"),
    "Address: {value}": ("地址：{value}", "地址：{value}"),
    "Language: {value}": ("语言：{value}", "語言：{value}"),
    "Your products:": ("您的产品：", "您的產品："),
    "breached": ("已违约", "已違約"),
    "no target": ("无目标", "無目標"),
    "running": ("计时中", "計時中"),
    "{score} ★": ("{score} ★", "{score} ★"),
    "{number} · {type} · {status} · opened {opened} · SLA {sla} · CSAT {csat}": (
        "{number} · {type} · {status} · 创建于 {opened} · SLA {sla} · 满意度 {csat}",
        "{number} · {type} · {status} · 建立於 {opened} · SLA {sla} · 滿意度 {csat}",
    ),
    "Profile confirmed by the customer: {when}": (
        "客户确认档案的时间：{when}",
        "客戶確認檔案的時間：{when}",
    ),
    "Profile not confirmed by the customer yet.": ("客户尚未确认档案。", "客戶尚未確認檔案。"),
    "{tag} (by {name})": ("{tag}（{name} 添加）", "{tag}（{name} 新增）"),
    "Thank you: your profile is confirmed.": ("谢谢：您的档案已确认。", "謝謝：您的檔案已確認。"),
    "That is empty. Please type it again.": ("内容为空，请重新输入。", "內容為空，請重新輸入。"),
    "That is too long. Please keep it shorter.": (
        "内容太长，请简短一些。",
        "內容太長，請簡短一些。",
    ),
    "That does not look like a phone number: use digits, with + and spaces or dashes if you "
    "like, 6 to 20 digits in all.": (
        "这看起来不像电话号码：请使用数字，可加 + 号、空格或短横线，共 6 到 20 位数字。",
        "這看起來不像電話號碼：請使用數字，可加 + 號、空格或短橫線，共 6 到 20 位數字。",
    ),
    "That is not a single word.": ("这不是一个单词。", "這不是一個單詞。"),
    "How should we call you? Type the name our team should use.": (
        "我们该如何称呼您？请输入我们团队应使用的名字。",
        "我們該如何稱呼您？請輸入我們團隊應使用的名字。",
    ),
    "Saved: we will call you {name}.": (
        "已保存：我们将称呼您为{name}。",
        "已儲存：我們將稱呼您為{name}。",
    ),
    "Share my phone number": ("分享我的电话号码", "分享我的電話號碼"),
    "Press “Share my phone number” below to give us the number of this Telegram account, or "
    "type the number we should call.": (
        "请按下方的“分享我的电话号码”，提供此 Telegram 账号的号码，或输入我们应拨打的号码。",
        "請按下方的「分享我的電話號碼」，提供此 Telegram 帳號的號碼，或輸入我們應撥打的號碼。",
    ),
    "Your number:": ("您的号码：", "您的號碼："),
    "That is someone else's contact. Please share your own with the button, or type your "
    "number.": (
        "这是别人的联系人。请用按钮分享您自己的联系方式，或输入您的号码。",
        "這是別人的聯絡人。請用按鈕分享您自己的聯絡方式，或輸入您的號碼。",
    ),
    "Saved: we will call you on {phone}.": (
        "已保存：我们将拨打 {phone} 联系您。",
        "已儲存：我們將撥打 {phone} 聯絡您。",
    ),
    "Please type your address (street, number, city), for visits and deliveries.": (
        "请输入您的地址（街道、门牌号、城市），用于上门服务和配送。",
        "請輸入您的地址（街道、門牌號、城市），用於到府服務和配送。",
    ),
    "Saved: your address.": ("已保存：您的地址。", "已儲存：您的地址。"),
    "Thank you: your profile is confirmed. How else can we help?": (
        "谢谢：您的档案已确认。还有什么可以帮您？",
        "謝謝：您的檔案已確認。還有什麼可以幫您？",
    ),
    "Your profile is saved. How else can we help?": (
        "您的档案已保存。还有什么可以帮您？",
        "您的檔案已儲存。還有什麼可以幫您？",
    ),
    "Change name": ("修改姓名", "修改姓名"),
    "Change phone": ("修改电话", "修改電話"),
    "Change address": ("修改地址", "修改地址"),
    "Add a product": ("添加产品", "新增產品"),
    "Remove {product}": ("移除 {product}", "移除 {product}"),
    "All correct": ("全部正确", "全部正確"),
    "Which product do you own?": ("您拥有哪款产品？", "您擁有哪款產品？"),
    "Please type the serial number on the product's label.": (
        "请输入产品标签上的序列号。",
        "請輸入產品標籤上的序號。",
    ),
    "That does not look like a serial number: use 3 to 40 letters, digits or dashes, as "
    "printed on the product's label.": (
        "这看起来不像序列号：请按产品标签上的内容，使用 3 到 40 个字母、数字或短横线。",
        "這看起來不像序號：請按產品標籤上的內容，使用 3 到 40 個字母、數字或短橫線。",
    ),
    "I don't know": ("我不知道", "我不知道"),
    "Saved: the product is in your profile.": (
        "已保存：产品已加入您的档案。",
        "已儲存：產品已加入您的檔案。",
    ),
    "Removed from your profile.": ("已从您的档案中移除。", "已從您的檔案中移除。"),
    "Yours: {product}": ("您的：{product}", "您的：{product}"),
    "The customer withdrew their consent or erased their data, so nothing is kept about them.": (
        "客户已撤回同意或抹除了数据，因此不保存关于他们的任何信息。",
        "客戶已撤回同意或抹除了資料，因此不保存關於他們的任何資訊。",
    ),
    "A tag is one word of at most {n} characters.": (
        "标签是一个不超过 {n} 个字符的单词。",
        "標籤是一個不超過 {n} 個字元的單詞。",
    ),
    "Usage: /tag followed by one word, like /tag vip.": (
        "用法：/tag 后跟一个单词，例如 /tag vip。",
        "用法：/tag 後接一個單詞，例如 /tag vip。",
    ),
    "This customer has {n} tags already: remove one first.": (
        "该客户已有 {n} 个标签：请先移除一个。",
        "該客戶已有 {n} 個標籤：請先移除一個。",
    ),
    "The customer already has the tag {tag}.": (
        "该客户已有标签 {tag}。",
        "該客戶已有標籤 {tag}。",
    ),
    "Tag {tag} added to the customer by {name}.": (
        "{name} 为客户添加了标签 {tag}。",
        "{name} 為客戶新增了標籤 {tag}。",
    ),
    "Usage: /untag followed by the tag to remove, like /untag vip.": (
        "用法：/untag 后跟要移除的标签，例如 /untag vip。",
        "用法：/untag 後接要移除的標籤，例如 /untag vip。",
    ),
    "The customer has no tag {tag}.": ("该客户没有标签 {tag}。", "該客戶沒有標籤 {tag}。"),
    "Tag {tag} removed from the customer by {name}.": (
        "{name} 移除了客户的标签 {tag}。",
        "{name} 移除了客戶的標籤 {tag}。",
    ),
    "Usage: /customernote followed by your note about the customer.": (
        "用法：/customernote 后跟您关于该客户的备注。",
        "用法：/customernote 後接您關於該客戶的備註。",
    ),
    "That note is {length} characters long: please keep it under {limit}. Nothing was saved.": (
        "该备注长 {length} 个字符：请控制在 {limit} 以内。未保存任何内容。",
        "該備註長 {length} 個字元：請控制在 {limit} 以內。未儲存任何內容。",
    ),
    "Note about the customer saved by {name}. The customer does not see it, but it is part of "
    "what they get with /mydata.": (
        "{name} 保存了关于该客户的备注。客户看不到它，但它包含在客户通过 /mydata 获取的数据中。",
        "{name} 儲存了關於該客戶的備註。客戶看不到它，但它包含在客戶透過 /mydata 取得的資料中。",
    ),
    "By customer tag: %(tags)s": ("按客户标签：%(tags)s", "按客戶標籤：%(tags)s"),
}
